{#
    An issue date as a DATE, from either way the documents print it:
    '14/05/2025' (metadata panel) or 'ngày 14 tháng 5 năm 2025' (letterhead,
    possibly after the place: 'Nghệ An, ngày 14 tháng 5 năm 2025').
    Impossible dates ('31/02/2025') and other text give null.
#}
{% macro parse_vietnamese_date(column) -%}
    cast(
        coalesce(
            try_strptime(trim({{ column }}), '%d/%m/%Y'),
            try_strptime(
                regexp_replace(
                    regexp_extract(
                        lower({{ column }}), 'ngày\s+[0-9]{1,2}\s+tháng\s+[0-9]{1,2}\s+năm\s+[0-9]{4}'
                    ),
                    '\s+',
                    ' ',
                    'g'
                ),
                'ngày %d tháng %m năm %Y'
            )
        ) as date
    )
{%- endmacro %}
