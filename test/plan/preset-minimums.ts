/** The least each shipped preset needs with --yes: the answers only its user can know. */
export const presetMinimums: Record<string, string[]> = {
  local: [],
  postgres: ['backend.db.host=postgres.db.svc.cluster.local'],
  mysql: ['backend.db.host=mysql.db.svc.cluster.local'],
  'aws-aurora': [
    'backend.db.host=mlflow.cluster-abc123.eu-west-1.rds.amazonaws.com',
    'ingress.host=mlflow.example.com',
    'secrets.objects.password=mlflow/db-user#password',
    'secrets.objects.masterPassword=rds!cluster-0a1b2c3d#password',
    'artifacts.root=s3://example-mlflow-artifacts/mlflow',
    'serviceAccount.annotations.eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/mlflow',
    'networkPolicy.allowedCidrs=10.0.0.0/16',
  ],
  'gcp-cloudsql': [
    'backend.db.host=10.20.0.3',
    'secrets.objects.password=projects/example/secrets/mlflow-db/versions/latest',
    'artifacts.root=gs://example-mlflow-artifacts',
    'serviceAccount.annotations.iam.gke.io/gcp-service-account=mlflow@example.iam.gserviceaccount.com',
  ],
  azure: [
    'backend.db.host=mlflow.postgres.database.azure.com',
    'secrets.objects.password=mlflow-db-password',
    'secrets.parameters.keyvaultName=kv-mlflow',
    'secrets.parameters.tenantId=00000000-0000-0000-0000-000000000000',
    'serviceAccount.annotations.azure.workload.identity/client-id=11111111-1111-1111-1111-111111111111',
    'artifacts.root=wasbs://artifacts@examplemlflow.blob.core.windows.net/mlflow',
  ],
};
