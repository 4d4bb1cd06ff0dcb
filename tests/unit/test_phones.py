import pytest

from elearn.training.phones import InvalidPhone, display_phone, normalize_phone


@pytest.mark.parametrize("raw", ["0912 345 678", "0912345678", "+84912345678", "84912345678", "0912.345.678",
                                 " 0912-345-678 ", "+84 912 345 678"])
def test_the_ways_people_write_a_number_are_one_account(raw):
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_every_mobile_prefix_is_accepted(prefix):
    assert normalize_phone(prefix + "12345678") == "+84" + prefix[1] + "12345678"


@pytest.mark.parametrize("raw", ["", "091234567", "09123456789", "0212345678", "0112345678", "abc", "+1 912 345 678",
                                 "0912 34a 678", "912345678", "+840912345678"])
def test_numbers_that_are_not_vietnamese_mobiles_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_numbers_are_shown_the_way_people_write_them():
    assert display_phone("+84912345678") == "0912 345 678"


@pytest.mark.parametrize("raw", ["０９１２３４５６７８", "09１２345678", "+８４912345678", "0912 345 67８",
                                 "091234567²", "0912345６78", "٠٩١٢٣٤٥٦٧٨"])
def test_digits_other_than_ascii_are_no_phone_number(raw):
    # int('１２') is 12: without this, a full-width copy of a number would be a second account.
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)
