import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createPreTrafficHook } from './hook.ts';
import { readHookSettings } from './settings.ts';

// The Lambda entry point. Unlike the other functions, a misconfigured hook does not fail at cold start:
// it could then report nothing, and CodeDeploy would hold the deployment until the hook times out (an
// hour). Read on the first event instead, a bad environment becomes a Failed report naming the variable.
export const handler = createPreTrafficHook(() => readHookSettings(process.env), {
  lambda: new LambdaClient({}),
  codedeploy: new CodeDeployClient({}),
});
