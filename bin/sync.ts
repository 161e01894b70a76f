import { runEntry } from './cli/main';
import { main } from './sync/main';

await runEntry(main);
