{#
    A relationships test on a key of several columns: a returned row is a key
    of the model that no row of `to` has, so whatever the model says about it
    points at nothing a reader can find.
#}
{% test relationships_on_columns(model, to, columns) %}

    select {{ columns | join(', ') }} from {{ model }}
    except
    select {{ columns | join(', ') }} from {{ to }}

{% endtest %}
