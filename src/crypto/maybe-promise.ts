/**
 * Chaining results that may be values or Promises (provider.ts `MaybePromise`) without turning a
 * value into a Promise: a synchronous provider's answer flows through synchronously.
 */
import { type MaybePromise, isPromise } from "./provider.js";

/** `next(value)`, now when `value` is a plain value, or once it settles when it is a Promise. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}
