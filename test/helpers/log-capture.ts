/** Collects every line the stack's telemetry writes (JSON logs and EMF), for assertions and secret scans. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly sink = (line: string): void => {
    this.lines.push(line);
  };

  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  logs(message?: string): Record<string, unknown>[] {
    return this.entries().filter((e) => !e._aws && (message === undefined || e.message === message));
  }

  /** Sum of one EMF metric across documents under exactly this dimension set (besides `service`). */
  metric(name: string, dims: Record<string, string>): number {
    let total = 0;
    for (const e of this.entries()) {
      if (!e._aws || !(name in e)) continue;
      // A document may publish its metrics under several dimension sets; count it once if one matches.
      const sets =
        (e._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]?.Dimensions ?? [];
      const matches = sets.some((set) => {
        const keys = set.filter((k) => k !== 'service');
        return (
          keys.length === Object.keys(dims).length &&
          Object.entries(dims).every(([k, v]) => keys.includes(k) && e[k] === v)
        );
      });
      if (!matches) continue;
      const value = e[name] as number | number[];
      total += Array.isArray(value) ? value.reduce((a, b) => a + b, 0) : value;
    }
    return total;
  }

  /** Which of the given secret values appear anywhere in what was logged. */
  leaked(secrets: string[]): string[] {
    const all = this.lines.join('\n');
    return secrets.filter((s) => s.length > 0 && all.includes(s));
  }
}
