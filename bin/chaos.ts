import { runEntry } from './cli/main';
import { main } from './chaos/main';

await runEntry(main);
