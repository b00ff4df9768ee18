"""Every job's complete settings, built once from the validated config and the job's wildcards.

The Snakefile and ``prag <step> --config FILE`` both call :meth:`Plan.job`, so a rule's job and
the same job run by hand get identical settings, inputs, outputs and provenance.

Every file a setting changes carries that setting in its path: a stage's *tag* is a readable
prefix plus 8 hex digits of the hash of the stage's settings, which include the tags of the stages
it reads (so a changed upstream setting changes every tag downstream). A ``.settings.json``
record beside each tagged output holds the settings its tag hashes.

A config may hold a ``sweep`` (dotted key -> values): the plan then covers the product of the
values, each a full config ("point"); stages that do not depend on a swept key are shared.
"""

from .job import Job, Stage, digest, make_tag, record_path
from .jobs import JOB_BUILDERS, Plan, all_jobs
from .point import Point
from .sweep import UNSWEEPABLE, get_dotted, set_dotted, sweep_points

__all__ = ["JOB_BUILDERS", "UNSWEEPABLE", "Job", "Plan", "Point", "Stage", "all_jobs", "digest", "get_dotted",
           "make_tag", "record_path", "set_dotted", "sweep_points"]
