/** The statement every resource policy of ours carries: refuse any request not made over TLS. */
export function denyInsecureTransport(action: string | string[], resource: string | string[]) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}
