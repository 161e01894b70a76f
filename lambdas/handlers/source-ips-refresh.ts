import { secretWriter } from '../adapters/secret-writer';
import { refreshSourceIps } from '../core/source-ips-refresh';
import { getProvider } from '../providers';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type RefreshHandler = () => Promise<{ ranges: number }>;

/**
 * The scheduled function that keeps a provider's source-IP allow list current: fetches the provider's published
 * list and writes it to the `webhookSourceIps` secret the ingest reads (and caches like its signing secret).
 *
 * @example
 * const refresh = createRefreshHandler({ provider: 'github', write, fetch });
 * await refresh(); // { ranges: 6 }
 */
export function createRefreshHandler(deps: {
  provider: string;
  write(value: string): Promise<void>;
  fetch?: typeof fetch;
  telemetry?: ReturnType<typeof awsTelemetry>;
}): RefreshHandler {
  return async () => {
    const source = getProvider(deps.provider)?.webhook?.publishedSourceIps;
    if (!source) throw new Error(`${deps.provider} publishes no webhook source addresses`);
    const telemetry = deps.telemetry ?? awsTelemetry('source-ips-refresh');
    try {
      return await refreshSourceIps(deps.provider, source, {
        fetch: deps.fetch ?? fetch,
        write: deps.write,
        now: () => new Date(),
        telemetry,
      });
    } finally {
      telemetry.flush();
    }
  };
}

const aws = once(() => {
  return createRefreshHandler({
    provider: required(ENV.provider),
    write: secretWriter(required(ENV.sourceIpsSecretId)),
  });
});

export const handler: RefreshHandler = () => aws()();
