"""Every sentence the bot says to a citizen, in Thai (first) and English.

One voice: polite, short enough for a phone screen, and always ``ค่ะ``. Placeholders are
``str.format`` fields filled by the flows.
"""
from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    # Main menu
    "menu": (
        "สวัสดีค่ะ ยินดีต้อนรับสู่ช่องทางร้องเรียนของ{name}\nต้องการทำรายการใดคะ",
        "Hello, this is the complaints channel of {name}.\nWhat would you like to do?",
    ),
    "menu.file": ("📝 ร้องเรียน", "📝 File a complaint"),
    "menu.misconduct": ("🛡️ แจ้งเบาะแสทุจริต", "🛡️ Report misconduct"),
    "menu.status": ("🔎 ติดตามเรื่องของฉัน", "🔎 Check my case"),
    "menu.contact": ("📞 ติดต่อเทศบาล", "📞 Contact us"),
    "menu.language": ("🌐 English", "🌐 ภาษาไทย"),
    "menu.back": ("🏠 เมนูหลัก", "🏠 Main menu"),
    "menu.pick": (
        "กรุณาเลือกจากเมนูด้านล่างค่ะ",
        "Please choose from the menu below.",
    ),
    "contact": (
        "📞 ติดต่อ{name}\nโทร {phone}\nจันทร์–ศุกร์ {opens}–{closes} น. (เว้นวันหยุดราชการ)\n"
        "เว็บไซต์ {website}\nFacebook {facebook}\n{address}",
        "📞 Contact {name}\nPhone {phone}\nMon–Fri {opens}–{closes} (except public holidays)\n"
        "Website {website}\nFacebook {facebook}\n{address}",
    ),
    "misconduct.soon": (
        "ช่องทางแจ้งเบาะแสการทุจริตแบบไม่เปิดเผยตัวตนจะเปิดให้บริการเร็ว ๆ นี้ค่ะ\n"
        "ระหว่างนี้แจ้งได้ที่โทร {phone} หรือที่สำนักงานเทศบาลในวันและเวลาราชการค่ะ",
        "Anonymous misconduct reporting is coming soon.\n"
        "Meanwhile, please call {phone} or visit the municipal office during office hours.",
    ),
    "cancelled": ("ยกเลิกแล้วค่ะ", "Cancelled."),
    "more": ("ตัวเลือกเพิ่มเติมค่ะ", "More choices:"),
    "error": (
        "ขออภัยค่ะ ระบบขัดข้องชั่วคราว ข้อมูลที่กรอกไว้ยังอยู่ กรุณาลองอีกครั้งค่ะ",
        "Sorry, something went wrong on our side. Nothing you entered is lost; please try again.",
    ),
    "stale_button": (
        "ปุ่มนี้เป็นของคำถามก่อนหน้าค่ะ",
        "That button belongs to an earlier question.",
    ),
    "unsupported": (
        "ขออภัยค่ะ ระบบยังรับข้อความประเภทนี้ไม่ได้",
        "Sorry, I can't read that kind of message.",
    ),
    # Grievance flow
    "g.category": (
        "เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ",
        "What is your complaint about?",
    ),
    "g.description": (
        "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย {min} ตัวอักษร)",
        "Please describe the problem (at least {min} characters).",
    ),
    "g.description.short": (
        "ข้อความสั้นเกินไปค่ะ กรุณาเล่าเพิ่มอีกนิด อย่างน้อย {min} ตัวอักษร",
        "That is too short. Please tell us a bit more: at least {min} characters.",
    ),
    "g.description.long": (
        "ข้อความยาวเกินไปค่ะ ({length} ตัวอักษร) กรุณาสรุปให้ไม่เกิน {max} ตัวอักษร",
        "That is too long ({length} characters). Please keep it within {max} characters.",
    ),
    "g.location": (
        "เกิดเหตุที่ไหนคะ กดปุ่มส่งตำแหน่ง พิมพ์ที่อยู่หรือจุดสังเกต หรือกด ข้าม",
        "Where is it? Share your location, type an address or landmark, or tap Skip.",
    ),
    "g.location.button": ("📍 ส่งตำแหน่งปัจจุบัน", "📍 Share my location"),
    "g.location.short": (
        "ที่อยู่สั้นเกินไปค่ะ กรุณาพิมพ์อย่างน้อย {min} ตัวอักษร หรือกด ข้าม",
        "That address is too short: at least {min} characters, or tap Skip.",
    ),
    "g.location.long": (
        "ที่อยู่ยาวเกินไปค่ะ กรุณาพิมพ์ไม่เกิน {max} ตัวอักษร",
        "That address is too long: {max} characters at most.",
    ),
    "g.photos": (
        "มีรูปถ่ายประกอบไหมคะ ส่งได้ไม่เกิน {max} รูป หรือกด ข้าม",
        "Do you have photos? Send up to {max}, or tap Skip.",
    ),
    "g.photos.got": (
        "ได้รับรูปที่ {count} แล้วค่ะ ส่งเพิ่มได้อีก {left} รูป หรือกด เสร็จแล้ว",
        "Got photo {count}. You can send {left} more, or tap Done.",
    ),
    "g.photos.full": (
        "ได้รับครบ {max} รูปแล้วค่ะ",
        "Got all {max} photos.",
    ),
    "g.photos.wait": (
        "รอรับรูปอยู่ค่ะ ส่งรูปถ่าย หรือกด {button}",
        "I'm waiting for photos. Send one, or tap {button}.",
    ),
    "g.phone": (
        "ขอเบอร์โทรสำหรับติดต่อกลับไหมคะ (ไม่บังคับ)\n"
        "ใช้เพื่อติดต่อเรื่องนี้เท่านั้น และลบภายใน {days} วันหลังปิดเรื่อง",
        "May we have a phone number to call you back? (optional)\n"
        "Used only for this case and deleted within {days} days after it closes.",
    ),
    "g.phone.button": ("📱 ส่งเบอร์โทรของฉัน", "📱 Share my number"),
    "g.phone.invalid": (
        "เบอร์โทรไม่ถูกต้องค่ะ กรุณาพิมพ์เบอร์ 9–10 หลัก เช่น 0812345678 หรือกด ข้าม",
        "That isn't a valid phone number. Type 9–10 digits, e.g. 0812345678, or tap Skip.",
    ),
    "g.summary": ("กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ", "Please check your complaint."),
    "g.summary.question": ("ถูกต้องไหมคะ", "Is this correct?"),
    "g.summary.none": ("ไม่ระบุ", "not given"),
    "g.summary.photos": ("{count} รูป", "{count}"),
    "g.summary.pin": ("ตำแหน่งที่ส่งมา ({lat:.5f}, {lon:.5f})", "shared pin ({lat:.5f}, {lon:.5f})"),
    "g.confirm": ("✅ ยืนยันส่งเรื่อง", "✅ Confirm"),
    "g.edit": ("✏️ แก้ไข", "✏️ Edit"),
    "g.cancel": ("❌ ยกเลิก", "❌ Cancel"),
    "g.edit.which": ("ต้องการแก้ไขข้อใดคะ", "What would you like to change?"),
    "g.field.category": ("หมวด", "Category"),
    "g.field.description": ("รายละเอียด", "Details"),
    "g.field.location": ("สถานที่", "Location"),
    "g.field.photos": ("รูปถ่าย", "Photos"),
    "g.field.phone": ("เบอร์ติดต่อ", "Phone"),
    "g.edit.back": ("↩️ กลับไปหน้าสรุป", "↩️ Back to summary"),
    "g.phone.thanks": ("ขอบคุณค่ะ", "Thank you."),
    "g.saved": ("แก้ไขแล้วค่ะ", "Updated."),
    "skip": ("ข้าม", "Skip"),
    "done": ("เสร็จแล้ว", "Done"),
    "g.ack": (
        "✅ {name} ได้รับเรื่องของท่านแล้วค่ะ",
        "✅ {name} has received your complaint.",
    ),
    "g.ack.reference": ("เลขที่เรื่อง", "Reference"),
    "g.ack.division": ("หน่วยงานที่รับผิดชอบ", "Responsible"),
    "g.ack.received": ("วันที่รับเรื่อง", "Received"),
    "g.ack.due": ("กำหนดแจ้งผล", "Result due"),
    "g.ack.due_value": (
        "ภายใน {days} วันทำการ ไม่เกิน{due}",
        "within {days} working days, by {due}",
    ),
    "g.ack.keep": (
        "เก็บเลขที่เรื่องไว้เพื่อติดตามเรื่อง หรือแจ้งทางโทรศัพท์ {phone} ได้ค่ะ",
        "Keep the reference to follow up here or by phone on {phone}.",
    ),
    "g.ack.after_hours": (
        "\nขณะนี้อยู่นอกเวลาราชการ เจ้าหน้าที่จะรับเรื่อง{opening} เวลา {time} น. ค่ะ",
        "\nThe office is closed now; staff will pick this up on {opening} at {time}.",
    ),
    # Status check
    "s.none": (
        "ยังไม่มีเรื่องที่แจ้งผ่านช่องทางนี้ค่ะ",
        "You have not filed any case through this chat yet.",
    ),
    "s.list": (
        "เรื่องของท่าน:\n\n{lines}\n\nกดเลขที่เรื่อง หรือพิมพ์เลขที่เรื่องเพื่อดูรายละเอียดค่ะ",
        "Your cases:\n\n{lines}\n\nTap or type a reference to see the details.",
    ),
    "s.line": ("{reference} · {category}\nสถานะ: {status} · กำหนด {due}",
               "{reference} · {category}\nStatus: {status} · due {due}"),
    "s.detail": (
        "เลขที่เรื่อง: {reference}\nหมวด: {category}\nหน่วยงาน: {division}\n"
        "สถานะ: {status}\nวันที่รับเรื่อง: {received}\nกำหนดแจ้งผล: {due}\n"
        "รายละเอียด: {description}\nสถานที่: {location}",
        "Reference: {reference}\nCategory: {category}\nResponsible: {division}\n"
        "Status: {status}\nReceived: {received}\nResult due: {due}\n"
        "Details: {description}\nLocation: {location}",
    ),
    "s.not_found": (
        "ไม่พบเรื่องเลขที่ {reference} ในเรื่องที่ท่านแจ้งไว้ค่ะ กรุณาตรวจสอบเลขที่อีกครั้ง",
        "No case {reference} among the cases you filed. Please check the reference.",
    ),
    # Case statuses, as the citizen reads them
    "status.new": ("รับเรื่องแล้ว รอเจ้าหน้าที่", "Received, awaiting staff"),
}


def t(lang: str, key: str, **fields: Any) -> str:
    """The text ``key`` in ``lang`` ("th" unless "en"), with ``fields`` filled in."""
    th, en = TEXTS[key]
    text = en if lang == "en" else th
    return text.format(**fields) if fields else text
