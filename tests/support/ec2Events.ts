/** An EC2 instance state-change event exactly as EventBridge delivers it (documented shape). */
export function ec2StateChangeEvent(instanceId: string, state: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        version: "0",
        id: `evt-${instanceId}-${state}`,
        "detail-type": "EC2 Instance State-change Notification",
        source: "aws.ec2",
        account: "123456789012",
        time: "2026-11-23T08:15:30Z",
        region: "eu-central-1",
        resources: [`arn:aws:ec2:eu-central-1:123456789012:instance/${instanceId}`],
        detail: { "instance-id": instanceId, state },
        ...overrides,
    };
}
