// The draft's upstream ids of one protocol: the choices of a handler's upstream select.
import { computed, type ComputedRef } from 'vue';
import type { Upstream } from '../../../server-core/config/schema.js';
import { useConfigDraftStore } from '../stores/config-draft.js';

export function useUpstreamIds(protocol: Upstream['protocol']): ComputedRef<string[]> {
  const drafts = useConfigDraftStore();
  return computed(() => drafts.draft?.upstreams.filter((u) => u.protocol === protocol).map((u) => u.id) ?? []);
}
