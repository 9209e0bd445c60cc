"""Microsoft Project XML (MSPDI, namespace `http://schemas.microsoft.com/project`) read into plain
data, and the monthly figures derived from it. Pure functions, no I/O: both the portfolio service
(the project, its budget, baseline and cost profile) and the resource service (people and their
hours per month) import through here.

The file is parsed with defusedxml with DTDs, entity declarations and external references all
forbidden: Project never writes a DTD, and a DTD is what carries entity-expansion bombs ("billion
laughs") and external entities (XXE), so any file that has one is refused before anything in it is
expanded or fetched.

Units, as Microsoft's schema and MPXJ (the reference reader) have them:
- Currency elements (`Cost`, `Baseline/Cost`) hold hundredths of the currency unit: MPXJ's
  `net.sf.mpxj.mspdi.DatatypeConverter.parseCurrency` returns `value / 100`, and its `MSPDIReader`
  applies it to task, assignment and baseline costs alike.
- `Work` is an xsd:duration, written by Project in hours (`PT120H0M0S`).
- Resource `Type`: 0 material, 1 work (the default), 2 cost; only work resources are people.
- An assignment's `ResourceUID` of -65535 means "no resource" (Project writes one for every task
  without a resource).
- Dates are local date-times without a zone (`2027-01-04T08:00:00`).

Every problem raises a `MspdiError` (a `ValueError`) whose message says what to fix.
"""

from pmo_common.mspdi.figures import AssignedHours, Terms, assigned_hours, baseline_terms, plan_terms
from pmo_common.mspdi.reader import (
    COST,
    MATERIAL,
    NAMESPACE,
    NO_RESOURCE,
    WORK,
    Assignment,
    Baseline,
    MspdiError,
    MspdiProject,
    Resource,
    Task,
    UnsafeXml,
    day_span,
    parse,
)

__all__ = [
    "COST",
    "MATERIAL",
    "NAMESPACE",
    "NO_RESOURCE",
    "WORK",
    "AssignedHours",
    "Assignment",
    "Baseline",
    "MspdiError",
    "MspdiProject",
    "Resource",
    "Task",
    "Terms",
    "UnsafeXml",
    "assigned_hours",
    "baseline_terms",
    "day_span",
    "parse",
    "plan_terms",
]
