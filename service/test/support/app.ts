import { type AppDependencies, createApp } from '../../src/app.ts';
import type { Settings } from '../../src/settings.ts';
import type { Store } from '../../src/store/store.ts';
import { MemoryStore } from './memory-store.ts';

export const servedBy = {
  version: '1.2.3',
  region: 'eu-west-1',
  engine: 'beanstalk',
  colour: 'green',
  instance: 'i-0123456789abcdef0',
} as const;

export interface TestApp {
  readonly app: ReturnType<typeof createApp>;
  readonly store: MemoryStore;
  /** Every line the app logged, parsed. */
  readonly lines: Record<string, unknown>[];
}

/** The app on an in-memory store, with its log captured. */
export function testApp(
  overrides: Partial<Omit<AppDependencies, 'settings'>> & {
    settings?: Partial<Pick<Settings, 'faultMode' | 'failureRate' | 'failureSeed'>>;
    store?: () => Promise<Store>;
  } = {},
): TestApp {
  const store = new MemoryStore();
  const lines: Record<string, unknown>[] = [];
  const app = createApp({
    store: async () => store,
    log: (line) => lines.push(JSON.parse(line)),
    ...overrides,
    settings: { servedBy, faultMode: undefined, failureRate: 0, ...overrides.settings },
  });
  return { app, store, lines };
}

export function postJson(body: string | Uint8Array, contentType = 'application/json'): RequestInit {
  return { method: 'POST', headers: { 'content-type': contentType }, body };
}
