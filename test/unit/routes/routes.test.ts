import { describe, expect, it } from 'vitest';
import { detectChange } from '../../../lambdas/core/changes/detect';
import type { StoredRecord } from '../../../lambdas/core/records';
import type { Route } from '../../../lambdas/core/routes/route';
import { placeholders, render, templateContext } from '../../../lambdas/core/routes/template';
import { routeProblems } from '../../../lambdas/core/routes/validate';
import { changeView, matches, whenFields } from '../../../lambdas/core/routes/when';
import { getProvider } from '../../../lambdas/providers';
import { recordFields } from '../../../lambdas/providers/record-fields';
import { ROUTES } from '../../../lambdas/routes';

const fixture = (short: string, home: number | null, away: number | null) => ({
  fixture: { id: 1, status: { short, long: short } },
  league: { name: 'Premier League' },
  teams: { home: { name: 'Arsenal' }, away: { name: 'Chelsea' } },
  goals: { home, away },
});
const rec = (data: Record<string, unknown>, fetchedAt: number): StoredRecord => ({
  pk: 'football#fixture#1#2024-08-16',
  provider: 'football',
  type: 'fixture',
  key: '1#2024-08-16',
  data,
  fetchedAt,
  writtenAt: fetchedAt,
  source: 'fixtures',
});
const issue = (labels: string[], v: number, title = 'Broken export'): StoredRecord => ({
  pk: 'github#issue#o/r#7',
  provider: 'github',
  type: 'issue',
  key: 'o/r#7',
  version: v,
  data: { title, labels: labels.map((name) => ({ name, color: 'd73a4a' })) },
  writtenAt: v,
});
const view = (prev: StoredRecord | undefined, next: StoredRecord) => {
  const d = detectChange(prev, next)!;
  return changeView(d, d.record);
};

describe('when: a small predicate on one change', () => {
  const ft = { field: 'fixture.status.short', becomes: 'FT' } as const;

  it('becomes: the value now and not before', () => {
    expect(matches(ft, view(rec(fixture('2H', 1, 1), 1), rec(fixture('FT', 2, 1), 2)))).toBe(true);
    // Still FT after a score correction: it did not become FT now.
    expect(matches(ft, view(rec(fixture('FT', 2, 1), 1), rec(fixture('FT', 2, 2), 2)))).toBe(false);
    expect(matches(ft, view(rec(fixture('1H', 0, 0), 1), rec(fixture('HT', 1, 0), 2)))).toBe(false);
    // A record first seen with the value: it became that value (a created record had nothing).
    expect(matches(ft, view(undefined, rec(fixture('FT', 2, 1), 1)))).toBe(true);
    expect(matches({ all: [{ change: 'changed' }, ft] }, view(undefined, rec(fixture('FT', 2, 1), 1)))).toBe(false);
  });

  it('added: an array item matching now and none before, objects by the given fields', () => {
    const bug = { field: 'labels', added: { name: 'bug' } } as const;
    expect(matches(bug, view(undefined, issue(['bug'], 1)))).toBe(true);
    expect(matches(bug, view(issue([], 1), issue(['ui', 'bug'], 2)))).toBe(true);
    expect(matches(bug, view(issue(['bug'], 1), issue(['bug', 'ui'], 2)))).toBe(false);
    expect(matches(bug, view(issue(['bug'], 1), issue(['bug'], 2, 'Renamed')))).toBe(false);
    expect(matches(bug, view(issue(['bug'], 1), issue([], 2)))).toBe(false);
    expect(
      matches(
        { field: 'tags', added: 'x' },
        changeView(detectChange(undefined, { ...issue([], 1), data: { tags: ['x'] } })!, { tags: ['x'] }),
      ),
    ).toBe(true);
  });

  it('reads before and after from the changed fields alone when the event left the record out', () => {
    const d = detectChange(rec(fixture('2H', 1, 1), 1), rec(fixture('FT', 2, 1), 2))!;
    const v = changeView({ ...d, record: undefined }, undefined);
    expect([v.before('fixture.status.short'), v.after('fixture.status.short')]).toEqual(['2H', 'FT']);
    expect(v.after('teams.home.name')).toBeUndefined();
    expect(matches({ field: 'fixture.status.short', becomes: 'FT' }, v)).toBe(true);
  });

  it('any and all combine; whenFields lists what a predicate reads', () => {
    const w = {
      any: [{ field: 'a', becomes: 1 }, { all: [{ change: 'created' as const }, { field: 'b.c', becomes: true }] }],
    };
    expect(whenFields(w)).toEqual(['a', 'b.c']);
  });
});

describe('the input template', () => {
  const d = detectChange(rec(fixture('2H', 1, 1), 1), rec(fixture('FT', 2, 1), 2))!;
  const ctx = templateContext(d, d.record!);

  it('fills text placeholders, keeps a lone placeholder typed, and leaves a missing lone one out', () => {
    expect(
      render(
        {
          text: 'FT: {{record.teams.home.name}} {{record.goals.home}}-{{record.goals.away}} {{ record.teams.away.name }}',
          goals: '{{record.goals.home}}',
          nothing: '{{record.no.such}}',
          empty: 'x{{record.no.such}}y',
          list: ['{{key}}', { v: '{{version}}' }],
          ref: 'ft:{{key}}',
          id: '{{eventId}}',
        },
        ctx,
      ),
    ).toEqual({
      text: 'FT: Arsenal 2-1 Chelsea',
      goals: 2,
      empty: 'xy',
      list: ['1#2024-08-16', { v: 2 }],
      ref: 'ft:1#2024-08-16',
      id: d.eventId,
    });
    expect(placeholders({ a: 'x{{record.a}}{{key}}', b: ['{{record.b.c}}'] })).toEqual([
      'record.a',
      'key',
      'record.b.c',
    ]);
  });
});

describe('routes checked at synth time', () => {
  const ctx = { registry: getProvider, fieldsOf: recordFields };
  const base = ROUTES[1]!;
  const withRoute = (change: (r: Route) => Route) => routeProblems([change(structuredClone(base) as Route)], ctx);

  it("the stack's own routes are valid", () => {
    expect(routeProblems(ROUTES, ctx)).toEqual([]);
  });

  it('names the route and what is wrong: provider, type, field, operation, input', () => {
    expect(withRoute((r) => ({ ...r, on: { ...r.on, provider: 'nope' } }))).toEqual([
      'route github-bug-to-trello: unknown provider nope',
    ]);
    expect(withRoute((r) => ({ ...r, on: { ...r.on, type: 'gist' } }))).toEqual([
      'route github-bug-to-trello: github makes no gist records',
    ]);
    expect(withRoute((r) => ({ ...r, on: { ...r.on, when: { field: 'labelz', added: 'bug' } } }))).toEqual([
      'route github-bug-to-trello: unknown field labelz of github issue',
    ]);
    expect(withRoute((r) => ({ ...r, do: { ...r.do, operation: 'createBoard' } }))).toEqual([
      'route github-bug-to-trello: unknown operation createBoard of trello',
    ]);
    expect(withRoute((r) => ({ ...r, do: { ...r.do, provider: 'github' } }))).toEqual([
      'route github-bug-to-trello: unknown provider github (no writes)',
    ]);
    expect(withRoute((r) => ({ ...r, do: { ...r.do, input: { ...r.do.input, name: '{{record.titel}}' } } }))).toEqual([
      'route github-bug-to-trello: unknown field record.titel',
    ]);
    expect(
      withRoute((r) => ({ ...r, do: { ...r.do, input: { ...r.do.input, colour: 'red', idList: 'not-an-id' } } })),
    ).toEqual([
      'route github-bug-to-trello: input field colour is not an input of createCard',
      'route github-bug-to-trello: input field idList is not a valid value for createCard',
    ]);
    const { name: _n, ...noName } = base.do.input;
    expect(withRoute((r) => ({ ...r, do: { ...r.do, input: noName } }))).toEqual([
      'route github-bug-to-trello: input field name is required by createCard',
    ]);
    expect(routeProblems([base, { ...base, name: 'Bad Name' }, base], ctx)).toEqual([
      'route Bad Name: name must be lower-case letters, digits and dashes (40 at most)',
      'route github-bug-to-trello: another route has this name',
    ]);
  });

  it('knows a poll type by its schema and a webhook type by its documented sample', () => {
    expect(recordFields('football', 'fixture')?.has('fixture.status.short')).toBe(true);
    expect(recordFields('football', 'fixture')?.has('fixture.status.shorty')).toBe(false);
    expect(recordFields('github', 'issue')?.has('labels')).toBe(true);
    expect(recordFields('github', 'issue')?.has('html_url')).toBe(true);
    expect(recordFields('football', 'team')).toBeUndefined();
  });
});
