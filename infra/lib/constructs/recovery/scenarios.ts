/**
 * The scenarios a game day can rehearse: the estate defines an FIS template for each (game-days.ts) and
 * `npm run drill` names them. Its own module, so the command reads the list without loading the CDK.
 */
export const DRILL_SCENARIOS = [
  'az-power',
  'aurora-failover',
  'ecs-task-stop',
  'asg-capacity',
  'region-dns',
] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];
