// Reads the BPMN file named on the command line with bpmn-moddle, the
// model reader of bpmn-js and Camunda Modeler, and prints what it found as
// JSON: its warnings (anything outside the BPMN 2.0 schema, unresolved
// references) and the counts of the elements the Go tests compare with the
// board.
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';

const xml = readFileSync(process.argv[2], 'utf8');
const moddle = new BpmnModdle();
const out = {
  warnings: [], participants: 0, lanes: 0, tasks: 0, gateways: 0, startEvents: 0, endEvents: 0,
  flows: 0, annotations: 0, associations: 0, groups: 0, extensions: {}, shapes: 0, edges: 0,
  names: [],
};
try {
  const { rootElement, warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
  out.warnings = warnings.map((w) => w.message);
  const seen = new Set();
  const visit = (el) => {
    if (!el || typeof el !== 'object' || seen.has(el)) return;
    seen.add(el);
    if (el.$type) {
      const t = el.$type;
      if (t === 'bpmn:Participant') out.participants++;
      else if (t === 'bpmn:Lane') out.lanes++;
      else if (t === 'bpmn:Task') out.tasks++;
      else if (t === 'bpmn:ExclusiveGateway') out.gateways++;
      else if (t === 'bpmn:StartEvent') out.startEvents++;
      else if (t === 'bpmn:EndEvent') out.endEvents++;
      else if (t === 'bpmn:SequenceFlow') out.flows++;
      else if (t === 'bpmn:TextAnnotation') out.annotations++;
      else if (t === 'bpmn:Association') out.associations++;
      else if (t === 'bpmn:Group') out.groups++;
      else if (t === 'bpmndi:BPMNShape') out.shapes++;
      else if (t === 'bpmndi:BPMNEdge') out.edges++;
      else if (t === 'pk:object') {
        const kind = el.kind ?? el.$attrs?.kind ?? '?';
        out.extensions[kind] = (out.extensions[kind] || 0) + 1;
      }
      if ((t === 'bpmn:Task' || t === 'bpmn:Lane' || t === 'bpmn:SequenceFlow') && el.name) out.names.push(el.name);
    }
    for (const [k, v] of Object.entries(el)) {
      if (k === '$parent' || k === '$model' || k === '$descriptor') continue;
      // References (sourceRef, flowNodeRef, bpmnElement) point at elements
      // counted where they are defined.
      if (k.endsWith('Ref') || k === 'bpmnElement' || k === 'incoming' || k === 'outgoing' || k === 'sourceElement' || k === 'targetElement') continue;
      if (Array.isArray(v)) v.forEach(visit); else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(rootElement);
} catch (e) {
  out.warnings.push('fatal: ' + e.message);
}
process.stdout.write(JSON.stringify(out) + '\n');
