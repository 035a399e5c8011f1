{#
    A returned row is a combination of key values shared by more than one row
    of the model, i.e. the model's grain is broken.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {% for column in combination_of_columns %}{{ adapter.quote(column) }}, {% endfor %}
    count(*) as occurrences,
from {{ model }}
group by all
having count(*) > 1

{% endtest %}
