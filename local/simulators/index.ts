export {
  ProviderSimulator,
  type SimAuth,
  type SimRequest,
  type SimResponse,
  type SimHandler,
  type LoggedRequest,
  type SimulatorOptions,
} from './base';
export {
  FaultState,
  noticeHeaders,
  waitHeaders,
  type Fault,
  type FaultRule,
  type FaultSettings,
  type NoticeKnob,
  type RateLimitKnob,
} from './faults';
export { seededRecords, corrupt, type SimRecord } from './dataset';
export { servePage, type PageStyle, type PageOptions } from './pages';
export {
  RecordsSimulator,
  simProvider,
  simRecordSchema,
  SIM_PAGINATION,
  PAGE_STYLES,
  type RecordsSimulatorOptions,
} from './records-api';
export { StripeSimulator, type StripeCustomer, type StripeSimulatorOptions } from './stripe';
export {
  TrelloSimulator,
  TRELLO_SEED,
  type TrelloBoard,
  type TrelloCard,
  type TrelloList,
  type TrelloSimulatorOptions,
} from './trello';
export {
  FootballSimulator,
  seasonOf,
  type FootballSimulatorOptions,
  type FootballKnobs,
  type FootballFaultSettings,
  type DriftKnob,
} from './football';
export { SlackSimulator, SLACK_SEED, type SlackMessage, type SlackSimulatorOptions, type SlackTiers } from './slack';
