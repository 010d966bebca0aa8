/** Resource policy of a workbench account's dedicated bus. Plain data, no Pulumi. */

/**
 * Only the publishers (the forwarder's execution role, and any other role the component publishes with) may put
 * events on the workbench bus. Same-account principals are authorised by their identity policies alone, so an
 * Allow is not enough: the explicit Deny for every other principal is what keeps an administrator-like user of the
 * account from publishing a forged workbench event.
 */
export function workbenchBusPolicy(busArn: string, publisherRoleArns: readonly string[]): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OnlyPublishersPutEvents",
                Effect: "Deny",
                Principal: "*",
                Action: "events:PutEvents",
                Resource: busArn,
                Condition: { ArnNotEquals: { "aws:PrincipalArn": [...publisherRoleArns] } },
            },
        ],
    };
}
