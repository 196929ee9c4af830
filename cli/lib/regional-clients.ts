/**
 * One AWS SDK client per service and region, made on first use with the same credentials: a command
 * asks for `client(SSMClient, 'ssm', region)` as often as it likes.
 */
export function regionalClients(credentials: object) {
  const cache = new Map<string, unknown>();
  return <T>(make: new (settings: object) => T, key: string, region: string): T => {
    const k = `${key}/${region}`;
    if (!cache.has(k)) cache.set(k, new make({ region, ...credentials }));
    return cache.get(k) as T;
  };
}
