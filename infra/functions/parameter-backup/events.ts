import * as z from 'zod';

/**
 * The EventBridge event Systems Manager sends when a parameter changes (documented in the Systems
 * Manager user guide, "Parameter Store events"); `resources` holds the parameter's ARN. Events are
 * emitted on a best-effort basis, which is why a scheduled full export runs as well.
 */
const parameterChangeSchema = z.object({
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Parameter Store Change'),
  id: z.string().min(1),
  time: z.string().min(1),
  detail: z.object({
    operation: z.enum(['Create', 'Update', 'Delete', 'LabelParameterVersion']),
    name: z.string().min(1),
    type: z.enum(['String', 'StringList', 'SecureString']),
    description: z.string().optional(),
  }),
});

/** The event an EventBridge schedule rule sends (`source` aws.events). */
const scheduleSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  id: z.string().min(1),
  time: z.string().min(1),
});

export type ParameterChange = z.infer<typeof parameterChangeSchema>;
export type ScheduledExport = z.infer<typeof scheduleSchema>;

export type BackupEvent =
  | { readonly kind: 'change'; readonly event: ParameterChange }
  | { readonly kind: 'schedule'; readonly event: ScheduledExport };

/** Recognises the two events the function is subscribed to; anything else is a wiring mistake. */
export function parseBackupEvent(input: unknown): BackupEvent {
  const change = parameterChangeSchema.safeParse(input);
  if (change.success) return { kind: 'change', event: change.data };
  const schedule = scheduleSchema.safeParse(input);
  if (schedule.success) return { kind: 'schedule', event: schedule.data };
  const detailType =
    typeof input === 'object' && input !== null ? Reflect.get(input, 'detail-type') : undefined;
  const problems = detailType === 'Scheduled Event' ? schedule.error : change.error;
  throw new Error(
    `parameter-backup: expected an aws.ssm "Parameter Store Change" or an aws.events "Scheduled Event"\n${z.prettifyError(problems)}`,
  );
}
