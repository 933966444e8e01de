// Who may do what in the console: the roles a deployment gives its people, mildest first, and the one table
// of actions with the least role each needs. Pages ask `may(role, action)` to offer a button; routes ask it
// again to refuse (403) a request the page would not have offered.
import { z } from 'zod';

/** Each role may do everything the roles before it may. */
const ROLES = {
  viewer: 'reads the board, incidents and reports',
  planner: 'also runs what-ifs, edits and previews overrides, records restocks and ETA changes, resumes parked incidents',
  approver: 'also approves or rejects plans and cancels incidents',
  admin: 'everything',
} as const;
export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as [Role, ...Role[]];
export const RoleSchema = z.enum(ROLE_NAMES);

const ACTIONS = {
  read: 'viewer',
  plan: 'planner',
  'record-follow-up': 'planner',
  resume: 'planner',
  approve: 'approver',
  cancel: 'approver',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof ACTIONS;

export function may(role: Role, action: Action): boolean {
  return ROLE_NAMES.indexOf(role) >= ROLE_NAMES.indexOf(ACTIONS[action]);
}

/** The role's description, for the users file's documentation and the console's "signed in as". */
export function describeRole(role: Role): string {
  return ROLES[role];
}
