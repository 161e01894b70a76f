import { defineRoutes } from './core/routes/route';

/**
 * The stack's routes: changes on one provider that become commands on another (docs/change-events.md, "Routes").
 * Provider-independent data: the CDK app checks them at synth time and deploys one EventBridge rule and one small
 * function each; the local stack runs the same ones. `new IntegrationStack(..., { routes })` replaces them.
 *
 * The channel and list ids are the local simulators' (`SLACK_SEED`, `TRELLO_SEED` in local/simulators/): a
 * deployed stage needs its own workspace's channel id and board's list id here.
 */
export const ROUTES = defineRoutes([
  {
    name: 'football-ft-to-slack',
    description: 'A fixture we saw being played finishes: post the final score to #match-results',
    on: {
      provider: 'football',
      type: 'fixture',
      // `changed`: a fixture first seen already finished (a backfill of last week) posts nothing.
      when: { all: [{ change: 'changed' }, { field: 'fixture.status.short', becomes: 'FT' }] },
    },
    do: {
      provider: 'slack',
      operation: 'postMessage',
      input: {
        ref: 'ft:{{key}}',
        channel: 'C0RESULTS01',
        text: 'FT: {{record.teams.home.name}} {{record.goals.home}}-{{record.goals.away}} {{record.teams.away.name}} ({{record.league.name}})',
      },
    },
  },
  {
    name: 'github-bug-to-trello',
    description: 'An issue opened with the label bug, or labelled bug later: one Trello card in To Do',
    on: { provider: 'github', type: 'issue', when: { field: 'labels', added: { name: 'bug' } } },
    do: {
      provider: 'trello',
      operation: 'createCard',
      input: {
        ref: 'github-issue:{{key}}',
        idList: '5f3c0a1b2c3d4e5f60718294',
        name: '{{record.title}}',
        desc: 'GitHub issue {{key}}: {{record.html_url}}',
      },
    },
  },
]);
