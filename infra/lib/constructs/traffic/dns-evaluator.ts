/**
 * What a resolver may be told for a name in the estate's hosted zone, given which health checks fail and
 * which alias targets have nothing healthy behind them: Route 53's documented answer selection for the
 * record sets of the synthesized templates (Route 53 developer guide, "How Amazon Route 53 chooses records
 * when health checking is configured" and "Choosing a routing policy"). Pure: no AWS call.
 *
 * - A record is healthy when its health check (if any) passes and, with evaluate-target-health, its alias
 *   target is healthy: a name in the zone is healthy when any of its records is; a target outside it (a
 *   balancer, an API) when it is not listed as down. CloudFront aliases cannot evaluate target health, and
 *   a CNAME record has none to evaluate: its health check alone decides.
 * - A CNAME is followed as a resolver follows it: to the records of the name it gives, when the zone has
 *   them; an alias of type CNAME to a CNAME record of the zone answers with that record and its TTL.
 * - Weighted: the healthy records of non-zero weight share the answers by weight; if none, the healthy
 *   records of weight zero share them evenly; if no record is healthy, Route 53 answers as if all were.
 * - Failover: the PRIMARY while healthy, else a healthy SECONDARY; with both unhealthy, the PRIMARY.
 */

/** One record set as a template declares it (`AWS::Route53::RecordSet` properties, names normalized). */
export interface DnsRecord {
  /** The record's name, without the trailing dot. */
  readonly name: string;
  readonly setIdentifier?: string;
  readonly weight?: number;
  readonly failover?: 'PRIMARY' | 'SECONDARY';
  /** Logical id (or id) of its health check. */
  readonly healthCheckId?: string;
  /** A plain CNAME's value: followed like an alias in the zone, without evaluating its health. */
  readonly cname?: string;
  /** A plain record's TTL in seconds (an alias has the TTL of its target). */
  readonly ttl?: number;
  /** The alias target's name: in the zone, it is followed; outside, it is where the answer points. */
  readonly aliasTarget?: { readonly dnsName: string; readonly evaluateTargetHealth: boolean };
}

/** What is failing. */
export interface DnsFailures {
  /** Health checks reporting unhealthy. */
  readonly unhealthyChecks?: ReadonlySet<string>;
  /** Alias targets outside the zone (by the name the record gives them) with nothing healthy behind them. */
  readonly downTargets?: ReadonlySet<string>;
}

/** The answers a resolver may get: each final target with its share of the answers (summing to 1). */
export type DnsAnswers = ReadonlyMap<string, number>;

/** The answers Route 53 gives for `name`, following aliases within the zone. */
export function evaluateDns(
  records: readonly DnsRecord[],
  zoneName: string,
  name: string,
  failures: DnsFailures = {},
): DnsAnswers {
  const unhealthyChecks = failures.unhealthyChecks ?? new Set<string>();
  const downTargets = failures.downTargets ?? new Set<string>();
  const byName = new Map<string, DnsRecord[]>();
  for (const r of records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const inZone = (n: string) => n === zoneName || n.endsWith(`.${zoneName}`);

  const nameHealthy = (n: string, seen: ReadonlySet<string>): boolean => {
    const set = byName.get(n);
    if (set === undefined) return !downTargets.has(n);
    return set.some((r) => recordHealthy(r, seen));
  };
  const recordHealthy = (r: DnsRecord, seen: ReadonlySet<string>): boolean => {
    if (r.healthCheckId !== undefined && unhealthyChecks.has(r.healthCheckId)) return false;
    const target = r.aliasTarget;
    if (target === undefined || !target.evaluateTargetHealth) return true;
    if (seen.has(target.dnsName)) throw new Error(`alias loop through ${target.dnsName}`);
    return inZone(target.dnsName)
      ? nameHealthy(target.dnsName, new Set([...seen, target.dnsName]))
      : !downTargets.has(target.dnsName);
  };
  const follow = (r: DnsRecord, seen: ReadonlySet<string>): Map<string, number> => {
    const target = r.aliasTarget?.dnsName ?? r.cname;
    if (target === undefined) return new Map([[r.name, 1]]);
    if (inZone(target) && byName.has(target)) return answer(target, new Set([...seen, target]));
    return new Map([[target, 1]]);
  };
  const mix = (shares: readonly [DnsRecord, number][], seen: ReadonlySet<string>) => {
    const total = shares.reduce((sum, [, w]) => sum + w, 0);
    const out = new Map<string, number>();
    for (const [r, w] of shares) {
      for (const [t, p] of follow(r, seen)) out.set(t, (out.get(t) ?? 0) + (p * w) / total);
    }
    return out;
  };
  const answer = (n: string, seen: ReadonlySet<string>): Map<string, number> => {
    const set = byName.get(n) ?? [];
    const first = set[0];
    if (first === undefined) return new Map([[n, 1]]);
    if (set.some((r) => r.failover !== undefined)) {
      const primary = set.find((r) => r.failover === 'PRIMARY');
      const secondary = set.find((r) => r.failover === 'SECONDARY');
      if (primary !== undefined && recordHealthy(primary, seen)) return follow(primary, seen);
      if (secondary !== undefined && recordHealthy(secondary, seen)) return follow(secondary, seen);
      return follow(primary ?? secondary ?? first, seen);
    }
    if (set.some((r) => r.weight !== undefined)) {
      const healthy = set.filter((r) => recordHealthy(r, seen));
      const weighted = healthy.filter((r) => (r.weight ?? 0) > 0);
      if (weighted.length > 0)
        return mix(
          weighted.map((r) => [r, r.weight ?? 0]),
          seen,
        );
      if (healthy.length > 0)
        return mix(
          healthy.map((r) => [r, 1]),
          seen,
        );
      const all = set.filter((r) => (r.weight ?? 0) > 0);
      return all.length > 0
        ? mix(
            all.map((r) => [r, r.weight ?? 0]),
            seen,
          )
        : mix(
            set.map((r) => [r, 1]),
            seen,
          );
    }
    return follow(first, seen);
  };
  return answer(name, new Set([name]));
}

/**
 * How long a resolver keeps the first answer for `name`: a plain record's TTL; for an alias of a name in
 * the zone, the longest TTL among that name's records (Route 53 answers the alias with the record it
 * chooses, and its TTL); undefined for an alias of a resource outside the zone, whose TTL its service sets.
 */
export function answerTtl(records: readonly DnsRecord[], zoneName: string, name: string): number | undefined {
  const ttls = (n: string, seen: ReadonlySet<string>): (number | undefined)[] =>
    records
      .filter((r) => r.name === n)
      .flatMap((r) => {
        const target = r.aliasTarget?.dnsName;
        if (target === undefined) return [r.ttl];
        if (seen.has(target)) throw new Error(`alias loop through ${target}`);
        const inZone = target === zoneName || target.endsWith(`.${zoneName}`);
        return inZone ? ttls(target, new Set([...seen, target])) : [undefined];
      });
  const all = ttls(name, new Set([name]));
  return all.length === 0 || all.includes(undefined) ? undefined : Math.max(...(all as number[]));
}

interface TemplateLike {
  readonly Resources?: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** How an alias target given by a token (a balancer's or distribution's address) is named. */
export function tokenTargetName(recordName: string, setIdentifier?: string): string {
  return `${recordName} [${setIdentifier ?? 'target'}]`;
}

/**
 * The A and CNAME record sets of synthesized templates. An alias target given by a token is named by
 * {@link tokenTargetName}, which is how `downTargets` lists a failing balancer.
 */
export function recordsOfTemplates(templates: readonly TemplateLike[]): DnsRecord[] {
  const bare = (n: unknown) => String(n).replace(/\.$/, '');
  return templates.flatMap((t) =>
    Object.entries(t.Resources ?? {})
      .filter(
        ([, r]) =>
          r.Type === 'AWS::Route53::RecordSet' && ['A', 'CNAME'].includes(String(r.Properties?.Type)),
      )
      .map(([, r]): DnsRecord => {
        const p = r.Properties ?? {};
        const name = bare(p.Name);
        const setIdentifier = p.SetIdentifier === undefined ? undefined : String(p.SetIdentifier);
        const value = (p.ResourceRecords as unknown[] | undefined)?.[0];
        const alias = p.AliasTarget as { DNSName?: unknown; EvaluateTargetHealth?: boolean } | undefined;
        const check = p.HealthCheckId as { Ref?: string } | string | undefined;
        return {
          name,
          ...(setIdentifier === undefined ? {} : { setIdentifier }),
          ...(typeof p.Weight === 'number' ? { weight: p.Weight } : {}),
          ...(p.TTL === undefined ? {} : { ttl: Number(p.TTL) }),
          ...(p.Type === 'CNAME' && alias === undefined
            ? {
                cname: typeof value === 'string' ? bare(value) : tokenTargetName(name, setIdentifier),
              }
            : {}),
          ...(p.Failover === 'PRIMARY' || p.Failover === 'SECONDARY' ? { failover: p.Failover } : {}),
          ...(check === undefined
            ? {}
            : { healthCheckId: typeof check === 'string' ? check : String(check.Ref) }),
          ...(alias === undefined
            ? {}
            : {
                aliasTarget: {
                  dnsName:
                    typeof alias.DNSName === 'string'
                      ? bare(alias.DNSName)
                      : tokenTargetName(name, setIdentifier),
                  evaluateTargetHealth: alias.EvaluateTargetHealth === true,
                },
              }),
        };
      }),
  );
}
