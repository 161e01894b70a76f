/** The provider contract: what a file in lambdas/providers/ implements and core reads. */
export type * from './definition';
export type { Registry } from './registry';
