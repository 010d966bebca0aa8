/** The error `fn` throws; fails the test when it throws nothing. */
export function errorOf(fn: () => unknown): Error {
    try {
        fn();
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected an error, but nothing was thrown");
}

/** The message of the error `fn` throws (the whole message, for tests that assert it is exactly one line). */
export function messageOf(fn: () => unknown): string {
    return errorOf(fn).message;
}

/** The error a promise (e.g. a program run under mocks) rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a rejection, but the promise resolved");
}
