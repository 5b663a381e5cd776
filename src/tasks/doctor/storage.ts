// The release's volume claims: bound, and with what capacity.
import type { KubeEvent, PersistentVolumeClaim } from '../../cluster/k8s.js';
import { finding, type Finding } from './check.js';
import { unread, type DoctorReads } from './reads.js';

function claimEvents(events: readonly KubeEvent[], claim: string): string[] {
  return events
    .filter((event) => event.type === 'Warning' && event.involvedObject.kind === 'PersistentVolumeClaim' && event.involvedObject.name === claim)
    .slice(-1)
    .map((event) => `${event.reason ?? 'Warning'}: ${(event.message ?? '').trim()}`);
}

/** One claim's finding (pure). */
export function claimFinding(claim: PersistentVolumeClaim, events: readonly KubeEvent[]): Finding {
  const name = claim.metadata.name;
  const phase = claim.status?.phase ?? 'Unknown';
  const requested = claim.spec?.resources?.requests?.storage;
  const capacity = claim.status?.capacity?.storage;
  const storageClass = claim.spec?.storageClassName;
  const klass = storageClass ? `StorageClass ${storageClass}` : 'no StorageClass';
  const title = `volume claim ${name}`;
  const id = `claim/${name}`;
  if (phase === 'Bound') {
    const size = capacity ?? requested ?? 'unknown size';
    const asked = requested && capacity && requested !== capacity ? ` (asked for ${requested})` : '';
    return finding('storage', id, title, 'pass', `Bound, ${size}${asked}, ${klass}`);
  }
  const why = claimEvents(events, name);
  return finding(
    'storage',
    id,
    title,
    'fail',
    `${phase}${requested ? `, asking for ${requested}` : ''}, ${klass}${why.length > 0 ? `; ${why.join('; ')}` : ''}`,
    phase === 'Pending'
      ? 'No volume was provisioned for it: rerun the install with --set backend.volume.storageClass=NAME naming a class of `kubectl get storageclass` (or make one the default).'
      : `See \`kubectl --namespace ${claim.metadata.namespace ?? ''} describe persistentvolumeclaim ${name}\`.`,
  );
}

export async function storageChecks(reads: DoctorReads): Promise<Finding[]> {
  const [document, claims, events] = await Promise.all([reads.document(), reads.claims(), reads.events()]);
  if (document.ok && document.value === undefined) return [];
  if (!claims.ok) return [await unread(reads, 'storage', 'claims', 'volume claims', `the volume claims of release ${reads.target.release}`, claims.error)];
  if (claims.value.length === 0) return [finding('storage', 'claims', 'volume claims', 'pass', 'none: the release keeps no data on a volume')];
  return claims.value.map((claim) => claimFinding(claim, events.ok ? events.value : []));
}
