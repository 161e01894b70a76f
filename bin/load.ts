import { runEntry } from './cli/main';
import { main } from './load/main';

await runEntry(main);
