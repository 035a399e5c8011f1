"""The 34 provincial-level units from 01/07/2025 (Nghị quyết 202/2025/QH15).

Only the names and what each was formed from are real; this list exists so
that a national-scale simulation has the right provinces. Their plans,
agencies' reports and budgets are synthetic (see :mod:`.synthetic`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    province_id: str
    province_name: str
    formed_from: tuple[str, ...]


def _p(province_id: str, name: str, *formed_from: str) -> Province:
    return Province(province_id, name, formed_from or (name,))


# Eleven units kept their borders; the others absorbed one to three neighbours.
PROVINCES_2025: tuple[Province, ...] = (
    _p("ha-noi", "Hà Nội"),
    _p("hue", "Huế"),
    _p("lai-chau", "Lai Châu"),
    _p("dien-bien", "Điện Biên"),
    _p("son-la", "Sơn La"),
    _p("lang-son", "Lạng Sơn"),
    _p("quang-ninh", "Quảng Ninh"),
    _p("thanh-hoa", "Thanh Hóa"),
    _p("nghe-an", "Nghệ An"),
    _p("ha-tinh", "Hà Tĩnh"),
    _p("cao-bang", "Cao Bằng"),
    _p("tuyen-quang", "Tuyên Quang", "Hà Giang", "Tuyên Quang"),
    _p("lao-cai", "Lào Cai", "Yên Bái", "Lào Cai"),
    _p("thai-nguyen", "Thái Nguyên", "Bắc Kạn", "Thái Nguyên"),
    _p("phu-tho", "Phú Thọ", "Vĩnh Phúc", "Hòa Bình", "Phú Thọ"),
    _p("bac-ninh", "Bắc Ninh", "Bắc Giang", "Bắc Ninh"),
    _p("hung-yen", "Hưng Yên", "Thái Bình", "Hưng Yên"),
    _p("hai-phong", "Hải Phòng", "Hải Dương", "Hải Phòng"),
    _p("ninh-binh", "Ninh Bình", "Hà Nam", "Nam Định", "Ninh Bình"),
    _p("quang-tri", "Quảng Trị", "Quảng Bình", "Quảng Trị"),
    _p("da-nang", "Đà Nẵng", "Quảng Nam", "Đà Nẵng"),
    _p("quang-ngai", "Quảng Ngãi", "Kon Tum", "Quảng Ngãi"),
    _p("gia-lai", "Gia Lai", "Bình Định", "Gia Lai"),
    _p("khanh-hoa", "Khánh Hòa", "Ninh Thuận", "Khánh Hòa"),
    _p("lam-dong", "Lâm Đồng", "Đắk Nông", "Bình Thuận", "Lâm Đồng"),
    _p("dak-lak", "Đắk Lắk", "Phú Yên", "Đắk Lắk"),
    _p(
        "ho-chi-minh", "Thành phố Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu", "TP. Hồ Chí Minh"
    ),
    _p("dong-nai", "Đồng Nai", "Bình Phước", "Đồng Nai"),
    _p("tay-ninh", "Tây Ninh", "Long An", "Tây Ninh"),
    _p("can-tho", "Cần Thơ", "Sóc Trăng", "Hậu Giang", "Cần Thơ"),
    _p("vinh-long", "Vĩnh Long", "Bến Tre", "Trà Vinh", "Vĩnh Long"),
    _p("dong-thap", "Đồng Tháp", "Tiền Giang", "Đồng Tháp"),
    _p("ca-mau", "Cà Mau", "Bạc Liêu", "Cà Mau"),
    _p("an-giang", "An Giang", "Kiên Giang", "An Giang"),
)
