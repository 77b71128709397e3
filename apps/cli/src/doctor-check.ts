import type { DOCTOR_STATUSES } from './json-shapes.js';

/** The outcome of one check: ok, a warning (works, but worth a look) or a failure. */
export type DoctorStatus = (typeof DOCTOR_STATUSES)[number];

/** One check of `claudine doctor`. */
export interface DoctorCheck {
  readonly id: string;
  readonly title: string;
  readonly status: DoctorStatus;
  readonly detail: string;
  /** What to do about it; null when all is well. */
  readonly fix: string | null;
}

/** A check's result; a fix is kept only for what is not ok. */
export function check(id: string, title: string, status: DoctorStatus, detail: string, fix: string | null = null): DoctorCheck {
  return { id, title, status, detail, fix: status === 'ok' ? null : fix };
}
