import type * as budgets from 'aws-cdk-lib/aws-budgets';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, estateSites, parseConfig, type Site } from '../../../../config/index.ts';
import { createEstateApp } from '../../../../lib/app.ts';
import { BUDGET_THRESHOLDS } from '../../../../lib/constructs/governance/cost-budget.ts';
import { FoundationStack } from '../../../../lib/stacks/foundation-stack.ts';
import { estate } from '../../../support/estate.ts';
import { only, props, resources, target } from '../../stacks/ec2-template.ts';

const ACCOUNTS = [
  ['primary', `Hello-Foundation-${DEFAULT_CONFIG.homeRegion}`, DEFAULT_CONFIG.budget.monthlyUsd],
  [
    'recovery',
    `Hello-Recovery-Foundation-${DEFAULT_CONFIG.recoveryRegion}`,
    DEFAULT_CONFIG.budget.recoveryMonthlyUsd,
  ],
] as const;

describe.each(ACCOUNTS)('the %s account', (role, stackName, amount) => {
  const json = estate('lab').stack(stackName).json;
  const [, budget] = only(json, 'AWS::Budgets::Budget');
  const [topicId] = only(json, 'AWS::SNS::Topic');

  it(`GOV-6: a monthly cost budget of $${amount} tells the alarm topic at 80 % and 100 % spent and at a forecast over 100 %`, () => {
    expect(props(budget).Budget).toEqual({
      BudgetName: `Hello-${role}-monthly`,
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: amount, Unit: 'USD' },
    });
    const notifications = props(budget).NotificationsWithSubscribers as {
      Notification: Record<string, unknown>;
      Subscribers: { SubscriptionType: string; Address: unknown }[];
    }[];
    expect(notifications.map((n) => n.Notification)).toEqual(
      BUDGET_THRESHOLDS.map((t) => ({
        NotificationType: t.notificationType,
        Threshold: t.threshold,
        ComparisonOperator: 'GREATER_THAN',
        ThresholdType: 'PERCENTAGE',
      })),
    );
    for (const n of notifications) {
      expect(n.Subscribers).toEqual([{ SubscriptionType: 'SNS', Address: { Ref: topicId } }]);
    }
  });

  it('GOV-6: the topic lets Budgets of this account publish, and the topic key lets it encrypt', () => {
    const topicPolicy = only(json, 'AWS::SNS::TopicPolicy')[1];
    const statements = (props(topicPolicy).PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const publish = statements.find(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'budgets.amazonaws.com' }),
    );
    expect(publish).toMatchObject({
      Action: 'sns:Publish',
      Effect: 'Allow',
      Resource: { Ref: topicId },
      Condition: {
        StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\d{12}$/) },
        ArnLike: { 'aws:SourceArn': expect.stringMatching(/^arn:aws:budgets::\d{12}:\*$/) },
      },
    });
    const keyId = target(
      (only(json, 'AWS::SNS::Topic')[1].Properties as { KmsMasterKeyId: unknown }).KmsMasterKeyId,
    );
    const keyStatements = (
      props(json.Resources[keyId ?? '']).KeyPolicy as { Statement: Record<string, unknown>[] }
    ).Statement;
    // CDK merges statements that differ only by principal: budgets may share one with other services.
    const forBudgets = keyStatements.find((s) =>
      [(s.Principal as { Service?: string | string[] }).Service].flat().includes('budgets.amazonaws.com'),
    );
    expect(forBudgets).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Effect: 'Allow',
      Condition: { StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\d{12}$/) } },
    });
  });
});

describe('the other foundations', () => {
  it('GOV-6: declare no budget (one per account)', () => {
    const withBudget = estate('lab')
      .stacks.filter((s) => resources(s.json, 'AWS::Budgets::Budget').length > 0)
      .map((s) => s.name);
    expect(withBudget.sort()).toEqual(ACCOUNTS.map(([, name]) => name).sort());
  });
});

describe('a budget with an alert address', () => {
  it('GOV-6: also mails the address directly, beside the topic', () => {
    // The home region's foundation alone: the budget needs nothing else of the estate.
    const config = parseConfig({ alerts: { email: 'ops@example.com' } });
    const site = estateSites(config).find((s) => s.role === 'primary' && s.region === config.homeRegion);
    const home = new FoundationStack(createEstateApp({ builtinValidation: false }), {
      config,
      site: site as Site,
    });
    const budget = home?.budget?.budget as budgets.CfnBudget;
    const notifications = home?.resolve(budget.notificationsWithSubscribers) as {
      subscribers: { subscriptionType: string; address: string }[];
    }[];
    for (const n of notifications) {
      expect(n.subscribers.map((s) => s.subscriptionType)).toEqual(['SNS', 'EMAIL']);
      expect(n.subscribers[1]?.address).toBe('ops@example.com');
    }
  });
});
