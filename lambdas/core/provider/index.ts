/** The provider contract: what a file in lambdas/providers/ implements and core reads. */
export type * from './definition';
export type * from './poll';
export type * from './recover';
export { recoveryStateName } from './recover';
export { type PollsRegistry, pollsRegistry, type RecordPolls, recordPollsOf, type Registry } from './registry';
export type * from './webhook';
