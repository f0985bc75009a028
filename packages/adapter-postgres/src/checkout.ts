import type pg from "pg";

/**
 * Takes a connection from the pool with an "error" listener already on it.
 *
 * A checked-out client that emits "error" with no listener ends the process. `await
 * pool.connect()` leaves a gap: the pool hands a new client over while parsing the server's
 * bytes, and when the same bytes also carry the end of the connection (a backend killed right
 * after it started), the client emits "error" before the code after `await` can listen. The
 * callback form of `connect` runs at hand-over, so the listener is there first.
 */
export function checkout(pool: pg.Pool, onError: (error: Error) => void): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    pool.connect((error, client) => {
      if (error !== undefined || client === undefined) {
        reject(error ?? new Error("the pool gave no connection"));
        return;
      }
      client.on("error", onError);
      resolve(client);
    });
  });
}
