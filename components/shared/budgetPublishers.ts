/**
 * What an encrypted alert topic needs so AWS Budgets of this account can notify it: a topic policy statement and a
 * key policy statement for budgets.amazonaws.com, both scoped to this account's budgets with `aws:SourceAccount` and
 * `aws:SourceArn` (Cost Management User Guide, "Creating an Amazon SNS topic for budget notifications"; budget ARNs
 * carry no Region: `arn:<partition>:budgets::<account>:budget/<name>`). Budgets cannot notify a topic in another
 * account, so nothing wider is ever needed.
 */

export const BUDGETS_SERVICE = "budgets.amazonaws.com";

/** Only budgets of `account` (confused-deputy protection). */
export function budgetsOfAccountCondition(partition: string, account: string): Record<string, Record<string, string>> {
    return { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:${partition}:budgets::${account}:*` } };
}

/** Topic policy statement: budgets of `account` publish to `topicArn`. */
export function budgetsPublishStatement(topicArn: string, partition: string, account: string): Record<string, unknown> {
    return {
        Sid: "BudgetsOfThisAccountPublish",
        Effect: "Allow",
        Principal: { Service: BUDGETS_SERVICE },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: budgetsOfAccountCondition(partition, account),
    };
}

/** Key policy statement: budgets of `account` may have SNS encrypt their notifications with the topic's key. */
export function budgetsKeyStatement(partition: string, account: string): Record<string, unknown> {
    return {
        Sid: "BudgetsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: BUDGETS_SERVICE },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        // A key policy's own resource: "*" means this key.
        Resource: "*",
        Condition: budgetsOfAccountCondition(partition, account),
    };
}
