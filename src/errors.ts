/** An error meant for the member: the router shows its message as written, ephemerally. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
