/** A GitHub `issues` event shaped like GitHub's documented example (Codertocat/Hello-World). */
export function sampleGithubIssue(
  opts: { number?: number; title?: string; updatedAt?: string; action?: string } = {},
): Record<string, unknown> {
  const number = opts.number ?? 1;
  return {
    action: opts.action ?? 'opened',
    issue: {
      url: `https://api.github.com/repos/Codertocat/Hello-World/issues/${number}`,
      html_url: `https://github.com/Codertocat/Hello-World/issues/${number}`,
      id: 444500041 + number,
      node_id: 'MDU6SXNzdWU0NDQ1MDAwNDE=',
      number,
      title: opts.title ?? 'Spelling error in the README file',
      user: { login: 'Codertocat', id: 21031067, type: 'User' },
      labels: [],
      state: 'open',
      locked: false,
      comments: 0,
      created_at: '2019-05-15T15:20:18Z',
      updated_at: opts.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      closed_at: null,
      author_association: 'OWNER',
      body: "It looks like you accidently spelled 'commit' with two 't's.",
    },
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name: 'Hello-World',
      full_name: 'Codertocat/Hello-World',
      private: false,
    },
    sender: { login: 'Codertocat', id: 21031067, type: 'User' },
  };
}
