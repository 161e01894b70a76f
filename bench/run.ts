import { runEntry } from '../bin/cli/main';
import { main } from './main';

await runEntry(main);
