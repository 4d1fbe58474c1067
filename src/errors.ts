/** An error meant for the member: the router shows its message as written, ephemerally. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A problem that stops start-up (bad content, an unusable folder): main.ts prints its message as written, without a stack. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
