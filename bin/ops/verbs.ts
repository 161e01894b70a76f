// The ops CLI's verbs, one line each (usage lists them in this order's alphabetical sort).
export { verb as changes } from './changes';
export { commandVerb as command, commandsVerb as commands } from './commands';
export { verb as dlq } from './dlq';
export { verb as records } from './records';
export { verb as redrive } from './redrive';
export { verb as replay } from './replay';
export { verb as send } from './send';
export { verb as versions } from './versions';
