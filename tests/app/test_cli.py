"""The `elearn` command: courses check and sync."""
import shutil

from sqlalchemy import func, select

from elearn.models import Course
from tests.conftest import FIXTURE_COURSES


def test_courses_check_passes_good_courses_and_prints_their_size(runner):
    result = runner.invoke(args=["courses", "check", str(FIXTURE_COURSES)])
    assert result.exit_code == 0, result.output
    assert "OK: 2 course(s)" in result.output
    assert "required set: 2 course(s)" in result.output


def test_courses_check_names_every_problem_and_fails(runner, tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, folder)
    (folder / "alpha" / "quiz.md").write_text("## Q?\n- [x] Chỉ một lựa chọn\n")
    (folder / "beta" / "course.md").write_text((folder / "beta" / "course.md").read_text().replace(
        "order: 2", "order: 2\ncolour: blue"))
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    assert f"{folder}/alpha/quiz.md:1: question has only one choice" in result.output
    assert f"{folder}/beta/course.md:8: unknown front-matter key 'colour'" in result.output
    assert "2 problem(s) found." in result.output


def test_courses_check_prints_honest_times_and_guessers_and_checks_the_framework_map(runner, tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, folder)
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert "90 syllables a minute" in result.output and "sittings" in result.output and "best guess" in result.output
    (folder / "README.md").write_text("# Courses\n<!-- framework-map:start -->\n"
                                      "| Khóa | Bài | Kỹ năng | Lĩnh vực |\n|---|---|---|---|\n"
                                      "| alpha | 01-mo-dau | Mua sắm trực tuyến | An toàn |\n"
                                      "<!-- framework-map:end -->\n")
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    assert f"{folder}/README.md: required lesson alpha/02-tiep-theo has no row in the framework table" in result.output
    assert "no required lesson teaches the basic skill 'Thanh toán trực tuyến'" in result.output


def test_courses_sync_loads_and_refuses_broken_files(runner, db, tmp_path):
    result = runner.invoke(args=["courses", "sync", str(FIXTURE_COURSES)])
    assert result.exit_code == 0 and "created: 2" in result.output
    folder = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, folder)
    (folder / "beta" / "01-mat-khau.md").write_text("Không có tiêu đề\n")
    result = runner.invoke(args=["courses", "sync", str(folder)])
    assert result.exit_code == 1 and "Nothing was changed" in result.output
    assert db.scalar(select(func.count(Course.id))) == 2


def test_prepare_loads_units_courses_and_prints_a_one_time_admin_password(runner, db, monkeypatch):
    monkeypatch.delenv("ELEARN_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("ELEARN_ADMIN_PHONE", raising=False)
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    assert "password:" in result.output and "shown only once" in result.output
    again = runner.invoke(args=["prepare"])
    assert "password:" not in again.output
    assert db.scalar(select(func.count(Course.id))) == 2


def test_users_create_makes_a_staff_account_that_can_sign_in(runner, db, client, villages):
    from elearn.models import RoleAssignment, User
    from tests.conftest import csrf_token, pass_second_step

    result = runner.invoke(args=["users", "create", "--role", "trainer", "--phone", "0933 111 222",
                                 "--name", "Phạm Văn Hùng", "--password", "to cong nghe so thon",
                                 "--unit", str(villages[0])])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User))
    assert [(a.role, a.unit_id) for a in user.assignments] == [("trainer", villages[0])]
    signed_in = client.post("/sign-in", data={"phone": "0933111222", "password": "to cong nghe so thon",
                                              "csrf_token": csrf_token(client, "/sign-in")})
    assert signed_in.headers["Location"].endswith("/sign-in/enroll")  # then the authenticator app
    assert pass_second_step(client, signed_in).status_code == 302
    assert client.get("/trainer/").status_code == 200
    refused = runner.invoke(args=["users", "create", "--role", "official", "--phone", "0933 111 222",
                                  "--name", "X", "--password", "12345678"])
    assert refused.exit_code == 1 and "password refused" in refused.output
    no_unit = runner.invoke(args=["users", "create", "--role", "official", "--phone", "0933 111 333",
                                  "--name", "X", "--password", "to cong nghe so thon"])
    assert no_unit.exit_code == 1 and "needs --unit" in no_unit.output
    assert db.scalar(select(func.count(RoleAssignment.id))) == 1


def test_courses_export_writes_the_newest_or_the_published_revision(runner, db, courses, tmp_path):
    import zipfile

    from elearn.content.authoring import save_file

    course = db.scalar(select(Course).where(Course.slug == "beta"))
    save_file(db, course, "01-mat-khau.md", "# Mật khẩu\n\nBản nháp mới.\n", 1, None)
    db.commit()
    newest = runner.invoke(args=["courses", "export", "beta", "-o", str(tmp_path / "new.zip")])
    published = runner.invoke(args=["courses", "export", "beta", "--published", "-o", str(tmp_path / "pub.zip")])
    assert "revision 2" in newest.output and "revision 1" in published.output
    with zipfile.ZipFile(tmp_path / "new.zip") as new, zipfile.ZipFile(tmp_path / "pub.zip") as old:
        assert b"B\xe1\xba\xa3n nh\xc3\xa1p" in new.read("beta/01-mat-khau.md")
        assert b"B\xe1\xba\xa3n nh\xc3\xa1p" not in old.read("beta/01-mat-khau.md")
    missing = runner.invoke(args=["courses", "export", "khong-co"])
    assert missing.exit_code == 1 and "No course 'khong-co'" in missing.output
