/**
 * cdk-nag 3 acknowledges each IAM5 finding by its exact id, `AwsSolutions-IAM5[Resource::<flat ARN>]`,
 * where the ARN is flattened the way cdk-nag flattens it: `Fn::Join` concatenated, `Ref` as
 * `<Name>`, `Fn::GetAtt` as `<Logical.Attribute>`. This computes that id for a resource ARN, so
 * a wildcard is acknowledged for exactly the resource it was granted on.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };

function flatten(value: CfnValue): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const join = value['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, CfnValue[]];
      return parts.map(flatten).join(delimiter);
    }
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flatten(getAtt[0]!)}.${flatten(getAtt[1]!)}>`;
    if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
    if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub']);
    if (value['Fn::ImportValue'] !== undefined) return flatten(value['Fn::ImportValue']);
  }
  return JSON.stringify(value);
}

/** The IAM5 finding id for a wildcard resource as it will appear in `scope`'s stack. */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resourceArn) as CfnValue)}]`;
}
