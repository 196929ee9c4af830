import { createEcsTestTrafficHook } from './hook.ts';
import { readHookSettings } from './settings.ts';

// The Lambda entry point. The environment is read on the first event, not at cold start: a function that
// fails to start makes ECS roll back with nothing in the log but an init error, while a bad environment
// read here becomes a FAILED answer whose log line names the variable.
export const handler = createEcsTestTrafficHook(() => readHookSettings(process.env));
