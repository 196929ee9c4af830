import { Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** When the budget speaks: what has been spent, and what AWS forecasts for the month. */
export const BUDGET_THRESHOLDS = [
  { notificationType: 'ACTUAL', threshold: 80 },
  { notificationType: 'ACTUAL', threshold: 100 },
  { notificationType: 'FORECASTED', threshold: 100 },
] as const;

/** Props of {@link CostBudget}. */
export interface CostBudgetProps {
  /** Unique in the account. */
  readonly budgetName: string;
  /** The month's limit, in US dollars. */
  readonly monthlyUsd: number;
  /** The alarm topic of the region the budget is declared in (same account). */
  readonly topic: sns.ITopic;
  /** The key that encrypts the topic. */
  readonly key: kms.IKey;
  /** Also told directly, without a topic subscription to confirm. @default - the topic only */
  readonly email?: string;
}

/**
 * The account's monthly cost budget (GOV-6): the alarm topic hears at 80 % and 100 % of the limit spent
 * and when the month's forecast passes it. Budgets are global; this one is declared in the region whose
 * topic it notifies. L1 only: aws-budgets has no L2.
 */
export class CostBudget extends Construct {
  /** The budget. */
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const { account, partition } = Stack.of(this);
    const service = new iam.ServicePrincipal('budgets.amazonaws.com');
    // The topic's own policy (written because it enforces TLS) admits no service by default, and an
    // encrypted topic needs its key's consent too.
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [service],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:budgets::${account}:*` },
        },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [service],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    const subscribers = [
      { subscriptionType: 'SNS', address: props.topic.topicArn },
      ...(props.email === undefined ? [] : [{ subscriptionType: 'EMAIL', address: props.email }]),
    ];
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: props.budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: BUDGET_THRESHOLDS.map((t) => ({
        notification: { ...t, comparisonOperator: 'GREATER_THAN', thresholdType: 'PERCENTAGE' },
        subscribers,
      })),
    });
  }
}
