import { runEntry } from './cli/main';
import { main } from './ops/main';

await runEntry(main);
