// A batch that refers to something its stream has not declared, or is otherwise unreadable.
export class WireError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
