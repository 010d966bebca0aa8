import type * as http from "node:http";

/**
 * The SDK keeps connections alive without an idle limit; Node's server closes one idle for 5 s, and a request sent
 * in that instant fails with ECONNRESET (seen under load). AWS endpoints keep connections far longer: so do the
 * stand-ins (their `close()` ends every connection).
 */
export function keepAliveLikeAws<T extends http.Server>(server: T): T {
    server.keepAliveTimeout = 0;
    return server;
}
