"""The one build step pyproject.toml cannot say: the wheel carries migrations/ and courses/.

Both sit at the top of the repository (Alembic's folder and the course authors' folder). A wheel
installed without the repository needs them to run `elearn serve`, so they are copied into the
package as elearn/bundled/, where elearn.config (DATA_ROOT) finds them. An editable install reads
the repository's own folders and gets no copy.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("migrations", "courses")


class BuildWithBundledFolders(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        target_root = Path(self.build_lib, "elearn", "bundled")
        shutil.rmtree(target_root, ignore_errors=True)  # nothing stale from an earlier build
        for name in BUNDLED:
            for source in sorted(Path(name).rglob("*")):
                if source.is_file() and "__pycache__" not in source.parts:
                    target = target_root / source
                    self.mkpath(str(target.parent))
                    self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildWithBundledFolders})
