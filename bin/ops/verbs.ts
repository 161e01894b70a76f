// The ops CLI's verbs, one line each (usage lists them in this order's alphabetical sort).
export { verb as changes } from './changes';
export { verb as circuit } from './circuit';
export { commandVerb as command, commandsVerb as commands } from './commands';
export { verb as dlq } from './dlq';
export { eventVerb as event, eventsVerb as events, retryVerb as retry } from './events';
export { verb as records } from './records';
export { verb as redrive } from './redrive';
export { verb as replay } from './replay';
export { verb as send } from './send';
export { verb as versions } from './versions';
