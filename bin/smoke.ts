import { runEntry } from './cli/main';
import { main } from './smoke/main';

await runEntry(main);
