import { syncCommand } from '../local/sync-cli';

// `npm run sync -- --provider football --poll fixtures --from 2024-08-01 --to 2024-08-31 [--json] [--aws --function NAME]`
process.exit(await syncCommand(process.argv.slice(2)));
