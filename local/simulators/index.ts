export { ProviderSimulator, type SimAuth, type SimRequest, type SimResponse, type SimHandler, type LoggedRequest, type SimulatorOptions } from './base';
export { FaultState, waitHeaders, type Fault, type FaultRule, type FaultSettings, type RateLimitKnob } from './faults';
export { seededRecords, corrupt, type SimRecord } from './dataset';
export { servePage, type PageStyle, type PageOptions } from './pages';
export { RecordsSimulator, simProvider, simRecordSchema, SIM_PAGINATION, PAGE_STYLES, type RecordsSimulatorOptions } from './records-api';
export { FootballSimulator, seasonOf, type FootballSimulatorOptions, type FootballKnobs, type FootballFaultSettings } from './football';
