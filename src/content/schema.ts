import { z } from 'zod';

/** Stable identifiers: lower-case words joined by hyphens, e.g. `linear-algebra`. */
export const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug: lower-case letters, digits and single hyphens')
  .max(64, 'must be at most 64 characters');

const httpUrl = z
  .string()
  .max(512, 'must be at most 512 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export const level = z.enum(LEVELS);

export const RESOURCE_KINDS = [
  'course',
  'book',
  'docs',
  'video',
  'dataset',
  'practice',
  'community',
  'tool',
  'article',
  'conference',
] as const;
export const resourceKind = z.enum(RESOURCE_KINDS);

export const stepSchema = z.strictObject({
  id: slug,
  title: text(80),
  summary: text(200),
  why: text(1000),
  learn: text(1000),
  checklist: z.array(text(200)).min(3, 'needs at least 3 items').max(8, 'must have at most 8 items'),
  hours: z.number().int().positive().max(500),
  resources: z.array(slug).min(2, 'needs at least 2 resources').max(5, 'must have at most 5 resources'),
  /** Former ids of this step: progress recorded under them carries over. */
  replaces: z.array(slug).default([]),
  /** Step ids (core or branch, same track) that must be done before this one is offered. */
  prerequisites: z.array(slug).max(10, 'must have at most 10 prerequisites').default([]),
  /** An optional step is not needed to finish the core (or its branch). */
  optional: z.boolean().default(false),
});

/**
 * A core step of another track reused in this one (`- use: python-programming`): the same step, so
 * progress on it counts in both tracks. Its prerequisites in this track are its own unless given here.
 */
export const useStepSchema = z.strictObject({
  use: slug,
  prerequisites: z.array(slug).max(10, 'must have at most 10 prerequisites').optional(),
});

/** A specialisation a member chooses after the shared core. */
export const branchSchema = z.strictObject({
  id: slug,
  title: text(80),
  summary: text(300),
  /** A core step id: the branch's entry prerequisite. */
  after: slug,
  steps: z.array(stepSchema).min(1, 'needs at least one step'),
});

export const trackSchema = z.strictObject({
  id: slug,
  title: text(80),
  summary: text(300),
  /** Where the track is listed (lowest first; default 100; then by file name). The first is the default for members who chose none. */
  order: z.number().int().min(0).max(1000).optional(),
  /** The shared core: one path, in order. */
  steps: z.array(stepSchema).min(1, 'needs at least one step'),
  branches: z.array(branchSchema).default([]),
});

export const resourceSchema = z.strictObject({
  id: slug,
  title: text(120),
  url: httpUrl,
  kind: resourceKind,
  level,
  free: z.boolean(),
  topics: z.array(slug).min(1, 'needs at least one topic').max(8),
  steps: z.array(slug).default([]),
  description: text(200),
});

export const promptSchema = z.strictObject({
  id: slug,
  step: slug,
  topic: slug,
  text: text(1000),
  hints: z.array(text(300)).max(4).default([]),
  resources: z.array(slug).max(3).default([]),
});

export const challengeSchema = z.strictObject({
  id: slug,
  title: text(100),
  url: httpUrl.refine((value) => new URL(value).hostname === 'www.kaggle.com', 'must be a https://www.kaggle.com/ URL'),
  difficulty: level,
  skills: z.array(text(60)).min(1).max(8),
  steps: z.array(slug).min(1),
  goal: text(600),
  /** Which score wins: `higher` (accuracy, AUC, F1, MAP) or `lower` (RMSE, MAE, log loss). Left out: the recap ranks nothing. */
  metric: z.enum(['higher', 'lower']).optional(),
});

export type Step = z.infer<typeof stepSchema>;
export type UseStep = z.infer<typeof useStepSchema>;
export type Branch = z.infer<typeof branchSchema>;
export type Track = z.infer<typeof trackSchema>;
export type Resource = z.infer<typeof resourceSchema>;
export type Prompt = z.infer<typeof promptSchema>;
export type Challenge = z.infer<typeof challengeSchema>;
