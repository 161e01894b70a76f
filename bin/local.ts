import { runEntry } from './cli/main';
import { main } from './local/main';

await runEntry(main);
